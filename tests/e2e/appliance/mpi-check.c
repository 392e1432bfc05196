/*
 * MPI check for the test appliance: every rank reports its host, then an
 * Allreduce of the ranks proves the ranks really exchange data (over TCP
 * between VMs, shared memory inside one). Exit status 0 only if the sum is
 * right. Built on the host with mpicc by boot-raw.sh --mpi.
 */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, sum = 0, len;
    char host[MPI_MAX_PROCESSOR_NAME];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &len);
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    printf("rank %d of %d on %s: sum of ranks %d (expected %d)\n",
           rank, size, host, sum, size * (size - 1) / 2);
    MPI_Finalize();
    return sum == size * (size - 1) / 2 ? 0 : 1;
}
