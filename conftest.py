pytest_plugins = ["clinic.testing"]
