/* placeholder: being written */
typedef int tw_placeholder_cli_;
