set terminal pngcairo size 1100,650 noenhanced font ',10'
set output 'sweep_MPA_PAGE_BITS_time_t2.png'
set title "Wall time (s) / default build vs MPA_PAGE_BITS, 2 thread(s) (geomean over the other tunables)"
set datafile missing '?'
set grid lc rgb '#dddddd'
set key outside right top
set xlabel 'MPA_PAGE_BITS'
set ylabel 'ratio to default (lower is better)'
set xtics ('12' 12, '14' 14)
set xrange [11.5:14.5]
plot 1 title 'default build' lc rgb '#888888' dt 2, 'sweep_MPA_PAGE_BITS_time_t2.dat' using 1:2:3:4 with yerrorlines lw 2 title 'large', 'sweep_MPA_PAGE_BITS_time_t2.dat' using 1:5:6:7 with yerrorlines lw 2 title 'phase'
