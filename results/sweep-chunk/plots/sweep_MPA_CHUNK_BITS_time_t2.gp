set terminal pngcairo size 1100,650 noenhanced font ',10'
set output 'sweep_MPA_CHUNK_BITS_time_t2.png'
set title "Wall time (s) / default build vs MPA_CHUNK_BITS, 2 thread(s)"
set datafile missing '?'
set grid lc rgb '#dddddd'
set key outside right top
set xlabel 'MPA_CHUNK_BITS'
set ylabel 'ratio to default (lower is better)'
set xtics ('14' 14, '15' 15, '16' 16)
set xrange [13.5:16.5]
plot 1 title 'default build' lc rgb '#888888' dt 2, 'sweep_MPA_CHUNK_BITS_time_t2.dat' using 1:2:3:4 with yerrorlines lw 2 title 'pairs', 'sweep_MPA_CHUNK_BITS_time_t2.dat' using 1:5:6:7 with yerrorlines lw 2 title 'churn', 'sweep_MPA_CHUNK_BITS_time_t2.dat' using 1:8:9:10 with yerrorlines lw 2 title 'prodcons'
