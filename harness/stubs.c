/* Placeholders for the commands other issues deliver (`mpbench kernel`,
 * `mpbench sweep`): each says it is not part of this build and exits 2.
 * Whoever writes kernel.c or sweep.c removes the matching function here. */
#include "commands.h"

#include <stdio.h>

int mpb_cmd_sweep(int argc, char **argv)
{
    (void)argc, (void)argv;
    fputs("mpbench: sweep is not available in this build\n", stderr);
    return 2;
}
