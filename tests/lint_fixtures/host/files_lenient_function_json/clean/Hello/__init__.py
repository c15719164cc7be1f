def main(name):
    return f"Hello {name}"
