def main(name):
    return name
