"""Datadog org connections and their access policies for every Pulumi language: the native provider
plugin `datadog-crossorg`.

The same rules as the dynamic `OrgConnection` and `ConnectionAccess` (`datadog_crossorg.rules`)
behind Pulumi's provider gRPC protocol, so TypeScript, Go, YAML, .NET and Java programs get what
Python programs get, `pulumi import` works, and several source orgs are several explicit provider
instances.

- `schema.py`: the package schema, derived from the declarations in `datadog_crossorg.resources`;
  `schema.json` is its committed output (GetSchema serves it).
- `provider.py`: the provider, a thin adapter over the rules; `main()` serves it.
- `archive.py`: the plugin archive for `pulumi plugin install resource datadog-crossorg ...`.
- `PulumiPlugin.yaml` + `__main__.py`: this folder is itself a plugin (runtime python) for a
  checkout, e.g. `pulumi package add provider/datadog_crossorg/native`.

Importing this package is cheap; `provider.py` loads pulumi's provider server.
"""
