set terminal pngcairo size 900,560 noenhanced
set output 'kernel_size_nthen.png'
set title 'N allocs then N frees, 1 CPU'
set xlabel 'object size (bytes)'
set ylabel 'TSC cycles per alloc+free (log)'
set grid
set key top left
set logscale y
set logscale x 2
plot 'kernel_size_nthen.dat' index 0 using 1:2:3:4 with yerrorlines title 'mpalloc', 'kernel_size_nthen.dat' index 1 using 1:2:3:4 with yerrorlines title 'buddy-slab', 'kernel_size_nthen.dat' index 2 using 1:2:3:4 with yerrorlines title 'magazine', 'kernel_size_nthen.dat' index 3 using 1:2:3:4 with yerrorlines title 'first-fit'
