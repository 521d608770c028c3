"""A tiny integer program for the ALNS start-up tests."""

#: A 3-variable integer program small enough for a fresh process's start-up to dominate (optimum 22 at
#: x=4, y=1, z=2); the same text as ``benchmarks/alns/startup.py``'s, which cannot import the tests.
TINY_LP = """Maximize
 obj: 3 x + 2 y + 4 z
Subject To
 room: x + y + z <= 7
Bounds
 0 <= x <= 4
 0 <= y <= 10
 0 <= z <= 2
General
 x y z
End
"""
