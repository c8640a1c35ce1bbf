"""Pages, map layers, tiles, clusters, heatmaps and public APIs."""
