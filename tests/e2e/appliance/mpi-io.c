/*
 * MPI with files, for the main job: every rank reads the job's input from
 * the working folder (a host folder shared into the VMs), sums its share of
 * the numbers, and writes what it did there; rank 0 writes the total. The
 * job script on the batch host then checks the files. Also prints the line
 * of mpi-check.c, so the same check of ranks and VMs applies.
 *
 *   mpi-io INPUT PREFIX    INPUT: one number a line; writes PREFIX.rank<N>
 *                          ("rank N of S on HOST: partial P") and PREFIX.sum
 *                          ("sum T count C")
 * Exit status 0 only if every file was read and written and the sums agree.
 */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, sum = 0, len, ok = 1, all_ok;
    long long n, partial = 0, total = 0, count = 0, total_count = 0;
    char host[MPI_MAX_PROCESSOR_NAME], name[4096];
    FILE *in, *out;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &len);
    if (argc != 3) {
        if (rank == 0)
            fprintf(stderr, "usage: mpi-io INPUT PREFIX\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    in = fopen(argv[1], "r");
    if (in == NULL) {
        perror(argv[1]);
        ok = 0;
    } else {
        long long i = 0;
        while (fscanf(in, "%lld", &n) == 1) {
            if (i++ % size == rank) {
                partial += n;
                count++;
            }
        }
        fclose(in);
    }
    snprintf(name, sizeof name, "%s.rank%d", argv[2], rank);
    out = fopen(name, "w");
    if (out == NULL || fprintf(out, "rank %d of %d on %s: partial %lld\n", rank, size, host, partial) < 0
        || fclose(out) != 0) {
        perror(name);
        ok = 0;
    }
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Reduce(&partial, &total, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(&count, &total_count, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        snprintf(name, sizeof name, "%s.sum", argv[2]);
        out = fopen(name, "w");
        if (out == NULL || fprintf(out, "sum %lld count %lld\n", total, total_count) < 0 || fclose(out) != 0) {
            perror(name);
            ok = 0;
        }
    }
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    printf("rank %d of %d on %s: sum of ranks %d (expected %d)\n",
           rank, size, host, sum, size * (size - 1) / 2);
    MPI_Finalize();
    return all_ok && sum == size * (size - 1) / 2 ? 0 : 1;
}
