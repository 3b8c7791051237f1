typedef int tw_placeholder_sobol_g_;
