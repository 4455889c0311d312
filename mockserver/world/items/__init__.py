"""An activity's execution items: where they come from, how they are generated, and the figures they add up to."""
