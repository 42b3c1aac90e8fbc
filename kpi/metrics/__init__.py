"""The metrics layer: the KHI registry, statistics, disclosure control and the api facade pages call."""
