/* Exits with status 3 (or argv[1]): sysfence must exit with the same status. */
#include <stdlib.h>

int main(int argc, char** argv) { return argc > 1 ? atoi(argv[1]) : 3; }
