NAME          tiny
OBJSENSE
    MAX
ROWS
 N  obj
 L  c1
 L  c2
COLUMNS
    x         obj       3.0          c1        1.0
    x         c2        1.0
    y         obj       2.0          c1        1.0
RHS
    RHS       c1        4.0          c2        3.0
BOUNDS
 UP BND       y         10.0
ENDATA
