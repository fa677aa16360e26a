set terminal pngcairo size 1100,650 noenhanced font ',10'
set output 'sweep_MPA_DIRTY_MAX_BITS_time_t1.png'
set title "Wall time (s) / default build vs MPA_DIRTY_MAX_BITS, 1 thread(s) (geomean over the other tunables)"
set datafile missing '?'
set grid lc rgb '#dddddd'
set key outside right top
set xlabel 'MPA_DIRTY_MAX_BITS'
set ylabel 'ratio to default (lower is better)'
set xtics ('25' 25, '28' 28)
set xrange [24.5:28.5]
plot 1 title 'default build' lc rgb '#888888' dt 2, 'sweep_MPA_DIRTY_MAX_BITS_time_t1.dat' using 1:2:3:4 with yerrorlines lw 2 title 'large', 'sweep_MPA_DIRTY_MAX_BITS_time_t1.dat' using 1:5:6:7 with yerrorlines lw 2 title 'phase'
