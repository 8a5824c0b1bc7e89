"""A Python fixture."""
import os
from collections import OrderedDict

LIMIT = 8


class Shape:
    sides = 0

    def __init__(self, name):
        self.name = name

    def area(self):
        return 0

    class Meta:
        ordering = "name"


class Square(Shape):
    def area(self):
        return self.side * self.side


def build(kind):
    def inner():
        return Square(kind)
    return inner()


async def fetch(url):
    return await os.fspath(url)
