set terminal pngcairo size 1100,650 noenhanced font ',10'
set output 'sweep_MPA_REMOTE_SLOTS_BITS_rss_t2.png'
set title "Peak RSS (KiB) / default build vs MPA_REMOTE_SLOTS_BITS, 2 thread(s) (geomean over the other tunables)"
set datafile missing '?'
set grid lc rgb '#dddddd'
set key outside right top
set xlabel 'MPA_REMOTE_SLOTS_BITS'
set ylabel 'ratio to default (lower is better)'
set xtics ('4' 4, '8' 8)
set xrange [3.5:8.5]
plot 1 title 'default build' lc rgb '#888888' dt 2, 'sweep_MPA_REMOTE_SLOTS_BITS_rss_t2.dat' using 1:2:3:4 with yerrorlines lw 2 title 'prodcons', 'sweep_MPA_REMOTE_SLOTS_BITS_rss_t2.dat' using 1:5:6:7 with yerrorlines lw 2 title 'larson'
