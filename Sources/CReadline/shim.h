// GNU readline and its history library (libreadline-dev). GPL-3.0: see README.md.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
