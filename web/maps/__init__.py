"""The app's maps: every Folium page is built here, one function per map.

Views and commands call one function per map and get its HTML (``*_page``, loading the map
libraries from the app) or its written file (``write_*``):

- :mod:`web.maps.district`: the district map, with the hotspot heat;
- :mod:`web.maps.routes`: one route of a plan;
- :mod:`web.maps.coverage`: a plan's coverage, blind spots marked;
- :mod:`web.maps.ledger`: a plan's checkpoints by check-in;
- :mod:`web.maps.editor`: the key-area editor;
- :mod:`web.maps.plan`: a whole plan, as the offline ``map.html`` of a plan folder.

:mod:`web.maps.layers` holds the layers and styles they are drawn with, and
:mod:`web.maps.assets` the offline copies of Leaflet and the other scripts. No module outside
this package imports Folium.
"""

from __future__ import annotations

from web.maps.assets import AssetsMissingError as AssetsMissingError
from web.maps.assets import assets_blueprint as assets_blueprint
from web.maps.coverage import coverage_page as coverage_page
from web.maps.district import district_page as district_page
from web.maps.district import write_district_map as write_district_map
from web.maps.editor import editor_page as editor_page
from web.maps.layers import category_style as category_style
from web.maps.layers import district_title as district_title
from web.maps.ledger import LedgerMarker as LedgerMarker
from web.maps.ledger import ledger_page as ledger_page
from web.maps.plan import write_plan_map as write_plan_map
from web.maps.routes import route_page as route_page
