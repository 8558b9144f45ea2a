"""The routing core: sites, vehicles and travel-time matrices, solved by OR-Tools and PyVRP."""
