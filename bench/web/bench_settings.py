"""Settings for bench/web/throughput.py: the demo's production settings, plus one bare page.

The bare page (``/bench/bare/``) is the yardstick the issue sets: a signed-in view that returns a
short text, served by the same gunicorn, middleware and session store as the real pages.
"""

from config.settings.demo import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
