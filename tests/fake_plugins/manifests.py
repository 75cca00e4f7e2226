from clinic.plugins import PluginManifest

too_new = PluginManifest(name="toonew", title="Too new", version="9.0", core_requires=">=5.0")
misnamed = PluginManifest(
    name="something-else", title="Misnamed", version="1.0", core_requires=">=0.1"
)
not_a_manifest = {"name": "dict"}
fine = PluginManifest(name="fine", title="Fine", version="1.0", core_requires=">=0.1,<1")
needs_key = PluginManifest(
    name="needskey",
    title="Needs a key",
    version="1.0",
    core_requires=">=0.1,<1",
    settings={"retries": 3},
    required_settings=("api_key",),
)
