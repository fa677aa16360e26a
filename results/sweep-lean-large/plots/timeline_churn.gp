set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'timeline_churn.png'
set title 'Memory over time: churn (1 thread, rep 1; RSS of the run''s process tree) - lower is better'
set xlabel 'time since start (ms)'
set ylabel 'RSS (MiB)'
set grid
set key outside right top
set yrange [0:*]
names = "mpalloc-mantissa_bits3-core_cache_bits21-large_slack_bits6 mpalloc mpalloc-mantissa_bits2-core_cache_bits21-large_slack_bits3 mpalloc-mantissa_bits2-core_cache_bits21-large_slack_bits6 mpalloc-mantissa_bits2-core_cache_bits23-large_slack_bits3 mpalloc-mantissa_bits3-core_cache_bits23-large_slack_bits3 mpalloc-mantissa_bits3-core_cache_bits23-large_slack_bits6 mpalloc-mantissa_bits3-core_cache_bits21-large_slack_bits3 mpalloc-mantissa_bits2-core_cache_bits23-large_slack_bits6"
plot for [i=0:8] 'timeline_churn.dat' index i using 1:2 with lines lw 2 title word(names, i+1)
