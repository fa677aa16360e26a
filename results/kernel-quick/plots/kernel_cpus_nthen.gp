set terminal pngcairo size 900,560 noenhanced
set output 'kernel_cpus_nthen.png'
set title 'N allocs then N frees of 64 B on every CPU at once'
set xlabel 'simulated CPUs'
set ylabel 'TSC cycles per pair (log)'
set grid
set key top left
set logscale y
set xtics 1
plot 'kernel_cpus_nthen.dat' index 0 using 1:2:3:4 with yerrorlines title 'mpalloc', 'kernel_cpus_nthen.dat' index 1 using 1:2:3:4 with yerrorlines title 'buddy-slab', 'kernel_cpus_nthen.dat' index 2 using 1:2:3:4 with yerrorlines title 'magazine', 'kernel_cpus_nthen.dat' index 3 using 1:2:3:4 with yerrorlines title 'first-fit'
