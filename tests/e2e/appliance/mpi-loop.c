/*
 * MPI loop for the checkpoint scenarios: for ROUNDS rounds, every rank passes a value round a ring
 * (MPI_Sendrecv over TCP between VMs) and adds what it got; then an Allreduce of the sums. A rank
 * sends (rank + 1) * (round + 1), so the total is known in advance: a message lost or delivered
 * twice across a checkpoint and restore shows as a wrong result. Rank 0 writes the round it has
 * finished to PROGRESS (renamed into place, so a reader never sees half a number) and sleeps
 * SLEEP_MS between rounds, so the loop is still running when the job is checkpointed. Exit status
 * 0 only if the result is right. Built on the host with mpicc (lib/vc-job.sh, mpi_build).
 *
 * usage: mpi-loop ROUNDS SLEEP_MS PROGRESS
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    int rank, size;
    long rounds, sleep_ms, i, mine, got, sum = 0, total = 0, expected;
    char tmp[4096];

    MPI_Init(&argc, &argv);
    if (argc != 4) {
        fprintf(stderr, "usage: mpi-loop ROUNDS SLEEP_MS PROGRESS\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    rounds = atol(argv[1]);
    sleep_ms = atol(argv[2]);
    snprintf(tmp, sizeof tmp, "%s.new", argv[3]);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (i = 0; i < rounds; i++) {
        struct timespec ts = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000L };
        mine = (rank + 1L) * (i + 1);
        MPI_Sendrecv(&mine, 1, MPI_LONG, (rank + 1) % size, 0, &got, 1, MPI_LONG,
                     (rank + size - 1) % size, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        sum += got;
        if (rank == 0) {
            FILE *f = fopen(tmp, "w");
            if (f != NULL) {
                fprintf(f, "%ld\n", i + 1);
                fclose(f);
                rename(tmp, argv[3]);
            }
        }
        nanosleep(&ts, NULL);
    }
    MPI_Allreduce(&sum, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    expected = (long) size * (size + 1) / 2 * (rounds * (rounds + 1) / 2);
    if (rank == 0) {
        printf("mpi-loop: %d ranks, %ld rounds: result %ld (expected %ld)\n", size, rounds, total, expected);
    }
    MPI_Finalize();
    return total == expected ? 0 : 1;
}
