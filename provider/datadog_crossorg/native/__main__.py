"""Entry point of the plugin: the engine runs `python <plugin folder> <engine address>`.

The same file is `python -m datadog_crossorg.native`, and the archive's `__main__.py` (where the
package sits beside it).
"""

from datadog_crossorg.native.provider import main

main()
