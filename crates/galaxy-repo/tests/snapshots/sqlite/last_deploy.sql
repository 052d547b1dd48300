SELECT time_of_last_deploy AS time_of_last_deploy FROM galaxy LIMIT 1
