"""Every stylesheet, script and image a page references must load.

A typo in a template (a backslash-escaped quote, a wrong filename, a static folder
a plugin forgot to declare) leaves a page unstyled or without its script, and no
other test notices.  This test renders every GET page in the route-policy table,
as the administrator and anonymously, collects each ``<link href>``,
``<script src>`` and ``<img src>`` and fetches it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from flask import url_for

from clinic.routecheck import collect_rules, plugin_policy_modules
from clinic.testing import fast_login, make_patient, make_user
from tests import route_policy_core


class _Assets(HTMLParser):
    WANTED = {"link": "href", "script": "src", "img": "src"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        name = self.WANTED.get(tag)
        values = dict(attrs)
        if name and values.get(name):
            self.urls.append(values[name])


def asset_urls(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


def test_the_parser_sees_a_broken_stylesheet_link():
    # The very bug this test exists for: quotes written as \" in a template.
    urls = asset_urls('<link rel=\\"stylesheet\\" href=\\"/static/x.css\\">')
    assert urls == ['\\"/static/x.css\\"']


def test_every_asset_a_page_references_loads(app):
    modules = [route_policy_core, *plugin_policy_modules(app)]
    rules = collect_rules(modules)
    patient = make_patient()
    users = {role: make_user(role) for role in ("front-desk", "therapist", "billing", "admin")}
    args = {"patient_id": patient.id}
    for module in modules:
        args.update(module.route_args(patient, users) or {})
    admin = app.test_client()
    fast_login(admin, users["admin"])
    clients = {"admin": admin, "anon": app.test_client()}
    url_rules = {r.endpoint: r for r in app.url_map.iter_rules()}

    pages, broken = 0, []
    checked: set[str] = set()
    for rule in rules.values():
        if rule.method != "GET" or rule.endpoint == "auth.logout":
            continue
        needed = url_rules[rule.endpoint].arguments
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: args[k] for k in needed})
        for who, client in clients.items():
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            pages += 1
            for ref in asset_urls(response.get_data(as_text=True)):
                target = urljoin(url, ref)
                parts = urlsplit(target)
                if parts.scheme in ("data",) or target in checked:
                    continue
                if parts.scheme or parts.netloc:
                    broken.append(f"{url} ({who}) loads {ref} from another site")
                    continue
                asset = client.get(target)
                asset.close()  # static files are streamed from an open file
                checked.add(target)
                if asset.status_code != 200:
                    broken.append(f"{url} ({who}): {ref} -> {asset.status_code}")
    assert pages > 20, f"only {pages} pages rendered; the crawl is not reaching the product"
    assert not broken, "\n".join(broken)
