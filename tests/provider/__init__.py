"""Both adapters of the core as the engine drives them (shared cases here; dynamic/ and native/ hold
each adapter's own)."""
