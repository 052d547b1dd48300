SELECT TOP 1 CONVERT(varchar(33), time_of_last_deploy, 126) AS time_of_last_deploy FROM galaxy
