"""Datadog org connections for every Pulumi language: the native provider plugin `datadog-crossorg`.

The same core as the dynamic `OrgConnection` (`datadog_crossorg.connections`) behind Pulumi's
provider gRPC protocol, so TypeScript, Go, YAML, .NET and Java programs get what Python programs
get, `pulumi import` works, and several source orgs are several explicit provider instances.

- `schema.py`: the package schema, generated from declarations whose docstrings describe it;
  `schema.json` is its committed output (GetSchema serves it).
- `provider.py`: the provider, a thin adapter over `connections.py`; `main()` serves it.
- `archive.py`: the plugin archive for `pulumi plugin install resource datadog-crossorg ...`.
- `PulumiPlugin.yaml` + `__main__.py`: this folder is itself a plugin (runtime python) for a
  checkout, e.g. `pulumi package add provider/datadog_crossorg/native`.

Importing this package is cheap; `provider.py` loads pulumi's provider server.
"""
