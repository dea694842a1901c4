"""Third-party browser files the lab uses, from installed packages (never a CDN): served
by ``api/routes/vendor.py`` and inlined by the standalone export."""

from pathlib import Path

import plotly

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
