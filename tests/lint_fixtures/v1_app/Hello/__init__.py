import time


def main(name: str) -> str:
    time.sleep(1)
    return f"Hello {name}!"
