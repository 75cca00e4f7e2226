from clinic.testing import make_patient


def test_front_desk_can_open_a_chart(signed_in, app):
    client, _user = signed_in("front-desk")
    patient = make_patient(first_name="Zoë", last_name="Ávila")
    response = client.get(f"/patients/{patient.id}")
    assert response.status_code == 200
    assert "Ávila, Zoë" in response.text
