"""The native plugin: its provider instances, schema, archive and YAML stack."""
