def main(order):
    return order
