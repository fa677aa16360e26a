set terminal pngcairo size 900,560 noenhanced
set output 'kernel_one2n.png'
set title '1 allocates, N free'
set xlabel 'object size (bytes)'
set ylabel 'TSC cycles per free (log)'
set grid
set key top left
set logscale y
set logscale x 2
plot 'kernel_one2n.dat' index 0 using 1:2:3:4 with yerrorlines title 'mpalloc', 'kernel_one2n.dat' index 1 using 1:2:3:4 with yerrorlines title 'buddy-slab', 'kernel_one2n.dat' index 2 using 1:2:3:4 with yerrorlines title 'magazine', 'kernel_one2n.dat' index 3 using 1:2:3:4 with yerrorlines title 'first-fit'
