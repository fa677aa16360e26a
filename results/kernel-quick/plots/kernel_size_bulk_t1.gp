set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'kernel_size_bulk_t1.png'
set title 'bulk: cycles_per_op by object size, 1 simulated CPU(s) (median, error bars: 95% CI) - lower is better'
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
names = "buddy-slab magazine first-fit mpalloc"
N = 4
set logscale y
set yrange [8.85333:728.055]
set xlabel 'object size (bytes)'
set ylabel 'Kernel path: TSC cycles per operation'
set logscale x 2
plot for [i=1:N] 'kernel_size_bulk_t1.dat' using 1:(column(3*i-1)):(column(3*i)):(column(3*i+1)) with yerrorlines lw 2 pt 7 title word(names, i)
