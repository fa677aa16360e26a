set terminal pngcairo size 1100,650 noenhanced font ',10'
set output 'sweep_pareto_churn_t1.png'
set title 'churn: wall time vs peak RSS / default build, 1 thread(s)'
set datafile missing '?'
set grid lc rgb '#dddddd'
set key outside right top
set xlabel 'wall time / default (lower is better)'
set ylabel 'peak RSS / default (lower is better)'
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
plot 'sweep_pareto_churn_t1.dat' index 0 using 1:2:4 with points pt 7 ps 1.4 lc rgb variable title 'variant (its own colour)', '' index 0 using 1:2:3 with labels offset 0,1 font ',8' notitle, '' index 1 using 1:2 with linespoints lw 2 dt 2 pt 6 ps 2.2 lc rgb 'black' title 'Pareto front', '' index 2 using 1:2:4 with points pt 13 ps 2 lc rgb variable title 'default build (mpalloc)'
