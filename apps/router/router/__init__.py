"""The version router: sends each request to the function app of the version it names."""
