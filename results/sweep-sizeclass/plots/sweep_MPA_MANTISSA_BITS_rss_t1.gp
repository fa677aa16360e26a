set terminal pngcairo size 1100,650 noenhanced font ',10'
set output 'sweep_MPA_MANTISSA_BITS_rss_t1.png'
set title "Peak RSS (KiB) / default build vs MPA_MANTISSA_BITS, 1 thread(s)"
set datafile missing '?'
set grid lc rgb '#dddddd'
set key outside right top
set xlabel 'MPA_MANTISSA_BITS'
set ylabel 'ratio to default (lower is better)'
set xtics ('1' 1, '2' 2, '3' 3)
set xrange [0.5:3.5]
plot 1 title 'default build' lc rgb '#888888' dt 2, 'sweep_MPA_MANTISSA_BITS_rss_t1.dat' using 1:2:3:4 with yerrorlines lw 2 title 'churn', 'sweep_MPA_MANTISSA_BITS_rss_t1.dat' using 1:5:6:7 with yerrorlines lw 2 title 'frag', 'sweep_MPA_MANTISSA_BITS_rss_t1.dat' using 1:8:9:10 with yerrorlines lw 2 title 'mixed'
