set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'scaling_larson.png'
set title 'Thread scaling: larson (median ops/s, error bars: 95% CI of the median) - higher is better'
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
names = "glibc jemalloc tcmalloc mimalloc mpalloc"
N = 5
set yrange [0:9.56878e+07]
set xlabel 'threads'
set ylabel 'operations per second'
set xtics (1, 2)
set xrange [0.5:2.5]
plot for [i=1:N] 'scaling_larson.dat' using 1:(column(3*i-1)):(column(3*i)):(column(3*i+1)) with yerrorlines lw 2 pt 7 title word(names, i)
