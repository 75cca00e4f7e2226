pytest_plugins = ["clinic.testing"]

# The example third-party plugin's own tests run inside the temporary environment it is
# installed into (tests/test_thirdparty.py), never straight from the source tree.
collect_ignore_glob = ["tests/thirdparty/*"]
