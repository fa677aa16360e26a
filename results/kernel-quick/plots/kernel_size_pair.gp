set terminal pngcairo size 900,560 noenhanced
set output 'kernel_size_pair.png'
set title 'alloc+free pair cost by size, 1 CPU'
set xlabel 'object size (bytes)'
set ylabel 'TSC cycles per pair (log)'
set grid
set key top left
set logscale y
set logscale x 2
plot 'kernel_size_pair.dat' index 0 using 1:2:3:4 with yerrorlines title 'mpalloc', 'kernel_size_pair.dat' index 1 using 1:2:3:4 with yerrorlines title 'buddy-slab', 'kernel_size_pair.dat' index 2 using 1:2:3:4 with yerrorlines title 'magazine', 'kernel_size_pair.dat' index 3 using 1:2:3:4 with yerrorlines title 'first-fit'
