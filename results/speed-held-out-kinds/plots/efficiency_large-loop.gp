set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'efficiency_large-loop.png'
set title 'Per-thread efficiency: large-loop ((ops/s at N / N) / ops/s at 1 thread; error bars: 95% CI) - higher is better'
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
set linetype 1 lc rgb '#6e6e6e' lw 2 pt 1 ps 1.3 dt (4,4)
set linetype 2 lc rgb '#0072b2' lw 2 pt 5 ps 1.3 dt (8,4)
set linetype 3 lc rgb '#e69f00' lw 2 pt 7 ps 1.3 dt (2,3)
set linetype 4 lc rgb '#aa4466' lw 2 pt 6 ps 1.3 dt (10,3,3,3)
set linetype 5 lc rgb '#6699cc' lw 2 pt 12 ps 1.3 dt (10,3,3,3)
set linetype 6 lc rgb '#d55e00' lw 3 pt 13 ps 1.3 dt 1
names = "glibc jemalloc tcmalloc snmalloc mimalloc-3.4.3 mpalloc"
N = 6
set yrange [0:1.13554]
set ylabel 'per-thread efficiency E(N)'
set logscale x 2
set xlabel 'threads'
set xtics (1, 2)
set xrange [0.769231:2.6]
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 3 lc rgb 'gray'
plot 'efficiency_large-loop.dat' using 1:2 with linespoints dt 2 lw 2 pt 6 ps 1.5 lc rgb 'black' title 'ceiling on 2 PUs', \
     for [i=1:N] 'efficiency_large-loop.dat' using 1:(column(3*i)):(column(3*i+1)):(column(3*i+2)) with yerrorlines lt i title word(names, i)
