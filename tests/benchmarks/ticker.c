/* Prints the wall clock (CLOCK_REALTIME, ns) every 100 ms, N times: the build-latency
   benchmark compares each line's time with the moment the app shows it. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    int count = argc > 1 ? atoi(argv[1]) : 50;
    struct timespec pause = {0, 100 * 1000 * 1000};
    for (int i = 0; i < count; i++) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        printf("tick %ld.%09ld\n", (long)now.tv_sec, now.tv_nsec);
        fflush(stdout);
        nanosleep(&pause, NULL);
    }
    return 0;
}
