set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'efficiency_prodcons.png'
set title 'Per-thread efficiency: prodcons ((ops/s at N / N) / ops/s at 1 thread; error bars: 95% CI) - higher is better'
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
names = "glibc jemalloc tcmalloc mimalloc mpalloc"
N = 5
set yrange [0:1.26196]
set ylabel 'per-thread efficiency E(N)'
set logscale x 2
set xlabel 'threads'
set xtics (2)
set xrange [1.53846:2.6]
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 3 lc rgb 'gray'
plot 'efficiency_prodcons.dat' using 1:2 with lines dt 2 lw 2 lc rgb 'black' title 'ceiling on 2 PUs', \
     for [i=1:N] 'efficiency_prodcons.dat' using 1:(column(3*i)):(column(3*i+1)):(column(3*i+2)) with yerrorlines lw 2 pt 7 title word(names, i)
