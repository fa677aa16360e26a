set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'kernel_cpus_allcpu.png'
set title 'allcpu: cycles_per_op by simulated CPUs, 64-byte objects (median, error bars: 95% CI) - lower is better'
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
names = "buddy-slab magazine first-fit mpalloc"
N = 4
set logscale y
set yrange [11.7667:10164.8]
set xlabel 'simulated CPUs'
set ylabel 'Kernel path: TSC cycles per operation'
set xtics 1
plot for [i=1:N] 'kernel_cpus_allcpu.dat' using 1:(column(3*i-1)):(column(3*i)):(column(3*i+1)) with yerrorlines lw 2 pt 7 title word(names, i)
