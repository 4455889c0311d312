"""The seeded fixture world, with no HTTP: records and their checks, activities, listing, paging, figures, items."""
