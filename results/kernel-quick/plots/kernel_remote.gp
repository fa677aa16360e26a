set terminal pngcairo size 900,560 noenhanced
set output 'kernel_remote.png'
set title 'remote free: CPUs 1..1 allocate, CPU 0 frees'
set xlabel 'object size (bytes)'
set ylabel 'TSC cycles per free (log)'
set grid
set key top left
set logscale y
set logscale x 2
plot 'kernel_remote.dat' index 0 using 1:2:3:4 with yerrorlines title 'mpalloc', 'kernel_remote.dat' index 1 using 1:2:3:4 with yerrorlines title 'buddy-slab', 'kernel_remote.dat' index 2 using 1:2:3:4 with yerrorlines title 'magazine', 'kernel_remote.dat' index 3 using 1:2:3:4 with yerrorlines title 'first-fit'
