"""The base-image picker: catalogue, live sizes, tags, Use (edit FROM), Pull."""
