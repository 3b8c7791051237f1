typedef int tw_placeholder_ishigami_;
