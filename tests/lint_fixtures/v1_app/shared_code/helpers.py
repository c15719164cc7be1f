import time


def stamp():
    return time.time()  # expect: DDZ001
